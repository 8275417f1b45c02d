/**
 * Kept only so that imports of `hedging/engine.js` outside hedging/ (bench/suites/hedging.ts) still compile; the
 * code lives in request.ts, engines/, assemble.ts and report.ts. Import from `hedging/index.js` instead.
 */
export { makeTicket } from './assemble.js';
export { bookReport, type BookReport, type HedgeRatio } from './report.js';
export { checkMarket } from './marketChecks.js';
export { ticketIdFor } from './ids.js';
export { selectPositions, type HedgeMode, type TicketRequest } from './request.js';
