import { oinSchema, participantRoles, toViolations } from '@ketenhub/events';
import { AppError, signDevToken } from '@ketenhub/service';
import { Router } from 'express';
import { z } from 'zod';

const devTokenRequest = z.strictObject({
  oin: oinSchema,
  sub: z.string().min(1).max(200),
  roles: z.array(z.enum(participantRoles)).min(1),
  name: z.string().min(1).max(200).optional(),
});

/**
 * `POST /dev/tokens`: a case-worker JWT from the hub's dev issuer (HS256). Only mounted when
 * KETENHUB_DEV_TOKENS=true (demo mode, tests); production case workers bring tokens from their
 * organisation's identity provider, configured in KETENHUB_JWT_ISSUERS.
 */
export function devTokensRouter(secret: string): Router {
  const router = Router();
  router.post('/dev/tokens', async (req, res) => {
    const parsed = devTokenRequest.safeParse(req.body);
    if (!parsed.success) {
      throw new AppError('invalid-request', 'the token request is not valid', {
        violations: toViolations(parsed.error.issues),
      });
    }
    res.status(201).json({ token: await signDevToken(secret, parsed.data) });
  });
  return router;
}
