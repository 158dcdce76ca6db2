// The widget's public API, called from any page that embeds the snippet. CORS reflects
// the caller's origin; each handler then checks it against the site's allowed origins.
import cors from 'cors';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { ParleyError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import { originAllowed } from '../../../core/sites';
import type { Site, Visitor } from '../../../core/types';
import type { Deps } from '../../../deps';
import { agentsState } from '../../widget-state';
import type { VisitorSession, WidgetConfig } from '../../views';
import { parse } from '../validate';
import { storeUpload, uploadMiddleware } from './files';

const configQuery = z.object({ site: z.string().min(1).max(64) });
const visitorBody = z.object({ site: z.string().min(1).max(64), token: z.string().max(2000).optional() });

export function widgetRoutes(deps: Deps): Router {
  const { store, visitorTokens, config } = deps;
  const router = Router();
  router.use(cors({ origin: true, methods: ['GET', 'POST'], allowedHeaders: ['Content-Type', 'Authorization'], maxAge: 600 }));

  async function siteFor(req: Request, key: string): Promise<Site> {
    const site = await store.getSiteByKey(key);
    if (!site) throw new ParleyError('SITE_NOT_FOUND');
    if (!originAllowed(site, req.get('origin'))) throw new ParleyError('ORIGIN_NOT_ALLOWED');
    return site;
  }

  router.get('/config', async (req, res) => {
    const site = await siteFor(req, parse(configQuery, req.query).site);
    const body: WidgetConfig = {
      siteName: site.name,
      appearance: site.appearance,
      prechat: site.prechat,
      ...(await agentsState(deps)),
      maxUploadBytes: config.MAX_UPLOAD_MB * 1024 * 1024,
    };
    res.set('Cache-Control', 'no-store').json(body);
  });

  router.post('/visitor', async (req, res) => {
    const body = parse(visitorBody, req.body);
    const site = await siteFor(req, body.site);
    let visitor: Visitor | null = null;
    const claims = body.token ? await visitorTokens.verify(body.token) : null;
    if (claims && claims.siteId === site.id) visitor = await store.getVisitor(claims.visitorId);
    let token = body.token;
    if (!visitor) {
      visitor = await store.createVisitor({
        id: newId(), siteId: site.id, name: null, email: null, currentPage: null, pages: [],
        locale: null, userAgent: req.get('user-agent')?.slice(0, 300) ?? null, avatarUrl: null,
      });
      token = await visitorTokens.sign(visitor.id, site.id);
    }
    const answer: VisitorSession = { token: token!, visitor: { id: visitor.id, name: visitor.name, email: visitor.email } };
    res.json(answer);
  });

  router.post('/attachments', async (req, res, next) => {
    const visitor = await visitorFromBearer(deps, req);
    uploadMiddleware(deps)(req, res, async (err?: unknown) => {
      try {
        if (err) throw err;
        res.status(201).json(await storeUpload(deps, req, { kind: 'visitor', id: visitor.id }));
      } catch (e) {
        next(e);
      }
    });
  });

  return router;
}

async function visitorFromBearer(deps: Deps, req: Request): Promise<Visitor> {
  const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
  const claims = token ? await deps.visitorTokens.verify(token) : null;
  const visitor = claims ? await deps.store.getVisitor(claims.visitorId) : null;
  if (!visitor) throw new ParleyError('INVALID_VISITOR_TOKEN');
  const site = await deps.store.getSite(visitor.siteId);
  if (!site || !originAllowed(site, req.get('origin'))) throw new ParleyError('ORIGIN_NOT_ALLOWED');
  return visitor;
}
