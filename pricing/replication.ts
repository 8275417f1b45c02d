/**
 * pricing/replication: Carr-Madan decomposition of an LP payoff or its impermanent loss into cash + forward +
 * puts below / calls above the expansion point, as a continuous density and as discrete strips on listed strikes.
 */
export { continuousStrip, type ContinuousStripInput, type ContinuousStripResult } from './replication/continuous.js';
export {
  replicationStrip,
  stripHedgePayoff,
  type StripInput,
  type StripLeg,
  type StripResult,
  type StripTail,
  type TailPoint,
  type ExpiryMismatch,
} from './replication/strip.js';
export {
  replicationDensity,
  densitySupport,
  targetPayoff,
  targetSlope,
  type ReplicationTarget,
} from './replication/payoff.js';
export { volCurveFrom, type VolCurve } from './replication/inputs.js';
export { integrate, type QuadratureOptions, type QuadratureResult } from './replication/quadrature.js';
