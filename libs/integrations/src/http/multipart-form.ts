// Reads a multipart form (@fastify/multipart's parts iterator): text fields, and at most one file, `logo`, kept in
// memory up to the logo limit. Every refusal is a 4xx with a code; nothing is written before the form is read.
import '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { CommonException, ConduitException } from '@conduit/platform';
import { IntegrationsException } from '../integrations.exception';
import { MAX_LOGO_BYTES } from '../logos/logo-content';

export interface SubmittedForm {
  fields: Record<string, string>;
  logo: Buffer | null;
}

const MAX_FIELD_BYTES = 256 * 1024;
const TOO_LARGE = 'FST_REQ_FILE_TOO_LARGE';

const refused = (message: string) => CommonException.validation(message, [{ field: 'body', message }]);

export async function readForm(req: FastifyRequest, fileField = 'logo'): Promise<SubmittedForm> {
  if (!req.isMultipart()) throw refused('Send the form as multipart/form-data');
  const form: SubmittedForm = { fields: {}, logo: null };
  try {
    const parts = req.parts({
      limits: { fileSize: MAX_LOGO_BYTES, files: 1, fields: 50, fieldSize: MAX_FIELD_BYTES, parts: 51 },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== fileField) {
          part.file.resume();
          throw refused(`The only file the form takes is ${fileField}`);
        }
        form.logo = await part.toBuffer();
      } else {
        if (part.valueTruncated) throw refused(`${part.fieldname}: at most ${MAX_FIELD_BYTES} bytes`);
        const value = typeof part.value === 'string' ? part.value : String(part.value);
        if (value.includes('\u0000')) throw refused(`${part.fieldname}: contains a NUL character`);
        if (part.fieldname in form.fields) throw refused(`${part.fieldname}: given twice`);
        form.fields[part.fieldname] = value;
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === TOO_LARGE)
      throw new IntegrationsException('logo_too_large', `A logo is at most ${MAX_LOGO_BYTES} bytes`, [
        { field: fileField, message: `more than ${MAX_LOGO_BYTES} bytes` },
      ]);
    if (err instanceof ConduitException) throw err;
    // Whatever else the parser throws (FST_* limits, busboy's "Unexpected end of form", a malformed part header) is
    // the body's fault, never ours: a 400, not a 500.
    throw refused(`The multipart body could not be read: ${(err as Error).message}`);
  }
  return form;
}
