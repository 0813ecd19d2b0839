export { createDattoClient, type AlertScope, type DattoClient, type Listing } from './datto-client.ts';
export { DattoApiError, isDattoApiError, type DattoErrorKind } from './errors.ts';
export {
  alertPriorities,
  contextOfKind,
  type Account,
  type Alert,
  type AlertContext,
  type AlertPriority,
  type Device,
  type KnownAlertContext,
  type PageDetails,
  type RequestRate,
  type Site,
} from './models.ts';
export type { Clock, DattoClientOptions, DattoLogger, RetryOptions } from './options.ts';
export type { RateLimits, ReadBudget } from './pacer.ts';
export type { Page } from './paging.ts';
export { forgetDattoAccounts } from './account-state.ts';
export { normalizeApiUrl } from './url.ts';
