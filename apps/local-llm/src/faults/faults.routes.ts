import { Router } from 'express';
import { ApiError } from '../http/api-error';
import { describeIssues, faultSetSchema } from './fault.schema';
import type { FaultInjector } from './fault-injector';

/** `/admin/faults`: read, replace or clear the active faults. Mounted only with `--admin`. */
export function faultAdminRoutes(faults: FaultInjector): Router {
  const router = Router();

  router.get('/admin/faults', (_req, res) => {
    res.json({ faults: faults.list() });
  });

  router.post('/admin/faults', (req, res) => {
    const result = faultSetSchema.safeParse(req.body);
    if (!result.success) throw ApiError.badRequest(describeIssues(result.error));
    faults.replace(result.data.faults);
    // refuse-connections closes the listener: only once this reply has gone out.
    res.once('finish', () => faults.applyListenerFaults());
    res.json({ faults: faults.list() });
  });

  router.delete('/admin/faults', (_req, res) => {
    faults.clear();
    res.json({ faults: faults.list() });
  });

  return router;
}
