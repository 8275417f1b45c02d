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
  deltaBandOf,
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
  displayGreeksOf,
  type Ticket,
  type TicketLeg,
  type TicketWarning,
} from './ticket.js';
export { limitOnGrid, isOnTickGrid, tickAt, roundToStep } from './ticks.js';
export { makeTicket, WIDE_SPREAD_WARNING_FRACTION, TICKET_REVIEW_COUNT } from './assemble.js';
export { bookReport, type BookReport, type HedgeRatio } from './report.js';
export { checkMarket, atmVol } from './marketChecks.js';
export { ticketIdFor } from './ids.js';
export { selectPositions, type TicketRequest, type HedgeMode } from './request.js';
export { HEDGE_ENGINES, type HedgeEngine, type HedgeArguments, type HedgeOutcome } from './engines/index.js';
export { legOf, type LegSource } from './legs.js';
export { deltaHedgeInstrument, type DeltaHedgeInstrument } from './deltaHedge.js';
export {
  vegaPerVolPointToPerUnitVol,
  vegaPerUnitVolToPerVolPoint,
  VOL_POINTS_PER_UNIT_VOL,
  LimitInfeasibleError,
  LIMIT_INFEASIBLE,
  LIMIT_FIELDS,
  type LimitField,
} from './limits.js';
export * from './positions.js';
export * from './netBook.js';
export * from './collateral.js';
export * from './ledger.js';
// The one error registry (pricing/errors.ts), for the edges: they map by code, never by name.
export {
  IlhedgeError,
  defineError,
  errorDefinition,
  errorCodeOf,
  httpStatusOf,
  errorBodyOf,
  ERROR_REGISTRY,
  INTERNAL,
  INVALID_INPUT,
  type ErrorDefinition,
  type ErrorBody,
} from '../pricing/errors.js';
// The time units (pricing/time.ts), for the edges' timeouts and ages: one set of constants, not a copy per layer.
export { MS_PER_SECOND, MS_PER_MINUTE, MS_PER_DAY, msToDays } from '../pricing/time.js';
export {
  breakEvenFeeApr,
  feeConcentration,
  gammaLvrPerYear,
  horizonCarry,
  horizonVol,
  inRangeFeeRate,
  lpCarry,
  lpFeeIncomePerYear,
  poolHistoryFromFeeGrowth,
  type FeeGrowthRow,
  type HorizonCarry,
  type LpCarry,
  type PoolHistory,
} from './carry.js';
export {
  carryTable,
  deltaCarry,
  horizonContext,
  horizonSummarySchema,
  legHorizonPlan,
  type DeltaCarry,
  type HorizonContext,
  type HorizonSummary,
  type LegHorizonPlan,
  type RollStep,
} from './horizon.js';
