/** hedging/ public surface. */
export * from './errors.js';
export {
  valueBook,
  optionUnitGreeks,
  baseUnitsPerContract,
  findQuote,
  spotPrice,
  type BookPosition,
  type BookValuation,
  type PositionGreeks,
  type UnitGreeks,
} from './book.js';
export {
  optimiseHedge,
  optimiseHedgeWith,
  loadSolver,
  addGreeks,
  formatLpProblem,
  COST_MODELS,
  type CostModel,
  type HedgeCandidate,
  type DeltaHedgeCandidate,
  type BookGreeks,
  type OptimiseProblem,
  type OptimiseResult,
} from './optimise.js';
export { selectCandidates, type CandidateSelection, type OptionCandidate } from './candidates.js';
export {
  deltaBandHalfWidth,
  rebalanceDecision,
  nextReviewTimes,
  type DeltaBand,
  type BandResult,
  type RebalanceDecision,
  type ReviewSchedule,
} from './policy.js';
export {
  hedgePolicySchema,
  resolvePolicy,
  withPolicyOverrides,
  type HedgePolicy,
  type HedgePolicyInput,
} from './policySchema.js';
export {
  scenarioPnl,
  defaultHorizons,
  type ScenarioHolding,
  type ScenarioGrid,
  type ScenarioReport,
} from './scenarios.js';
export {
  ticketSchema,
  ticketLegSchema,
  renderTicketText,
  renderTicketJson,
  renderTicketCsv,
  type Ticket,
  type TicketLeg,
  type TicketWarning,
} from './ticket.js';
export { limitOnGrid, isOnTickGrid, tickAt, roundToStep } from './ticks.js';
export {
  makeTicket,
  bookReport,
  checkMarket,
  ticketIdFor,
  selectPositions,
  type TicketRequest,
  type HedgeMode,
  type BookReport,
  type HedgeRatio,
} from './engine.js';
