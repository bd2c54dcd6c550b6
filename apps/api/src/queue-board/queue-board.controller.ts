// Opens and closes the browser session of the queue dashboard (see queue-board.ts).
import { Controller, Delete, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessService, Authenticated, CheckPolicy } from '@conduit/access';
import { ApiErrors, CommonException } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import { QUEUE_BOARD_PATH, queueBoardCookie } from './queue-board';

export class QueueBoardSessionResponse {
  @ApiProperty({ example: QUEUE_BOARD_PATH, description: 'Open this path in the same browser' }) url: string;
  @ApiProperty({ description: 'The session ends then (with the access token), or at logout' }) expires_at: string;
}

@ApiTags('queue board')
@ApiBearerAuth('bearer')
@Controller('api/v1/queue-board/session')
export class QueueBoardController {
  constructor(private readonly access: AccessService) {}

  @Post()
  @HttpCode(200)
  @CheckPolicy('read', 'Queue')
  @Audited('queue_board.open', 'Queue')
  @ApiOperation({
    summary: 'Open the queue dashboard in this browser (platform admins)',
    description: `Sets an HttpOnly cookie holding your access token, valid for ${QUEUE_BOARD_PATH} only and until the token expires; then open ${QUEUE_BOARD_PATH}. Needs a user's bearer token (not an API key).`,
  })
  @ApiOkResponse({ type: QueueBoardSessionResponse })
  @ApiErrors(400, 401, 403)
  open(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): QueueBoardSessionResponse {
    const principal = this.access.principal();
    const token = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    if (principal.kind !== 'user' || !token || !principal.tokenExpiresAt) {
      throw CommonException.validation('The queue dashboard opens with a user access token, not an API key', [
        { field: 'Authorization', message: 'Bearer <access token> required' },
      ]);
    }
    const expiresAt = principal.tokenExpiresAt;
    void reply.header(
      'set-cookie',
      queueBoardCookie(token, (expiresAt.getTime() - Date.now()) / 1000, req.protocol === 'https'),
    );
    void reply.header('cache-control', 'no-store');
    return { url: QUEUE_BOARD_PATH, expires_at: expiresAt.toISOString() };
  }

  @Delete()
  @HttpCode(204)
  @Authenticated()
  @Audited('queue_board.close', 'Queue')
  @ApiOperation({ summary: 'Close the queue dashboard session of this browser (clears its cookie)' })
  @ApiNoContentResponse({ description: 'Closed' })
  @ApiErrors(401)
  close(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    void reply.header('set-cookie', queueBoardCookie('', 0, req.protocol === 'https'));
  }
}
