// The one part of jsdom the logo sanitiser uses (a window for DOMPurify). @types/jsdom is not installed: it brings the
// DOM's lib types into the whole program.
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string);
    readonly window: unknown;
  }
}
