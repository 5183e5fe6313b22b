/**
 * The numbers the health check compares against, gathered so the editor can expose them as
 * settings. Each default says why it has its value.
 */
export interface HealthThresholds {
  /**
   * A module whose ‖ΔW‖_F is below this fraction of the median ‖ΔW‖_F of its peers is called
   * negligible (never trained). 1e-4 is far below the spread of trained modules (real adapters
   * keep their norms within two or three decades of each other) and far above rounding.
   */
  readonly negligibleRatio: number;
  /**
   * A module's log(σ1/σ2) is an outlier when it exceeds median + k·MAD of its peers' values
   * (MAD scaled by 1.4826 to estimate a standard deviation). k = 5 keeps a clean adapter of a
   * few hundred modules free of false alarms while a rank-1 spike (σ1/σ2 in the hundreds when
   * peers sit near 1–3) stands far past it.
   */
  readonly spikeMads: number;
  /**
   * …and σ1/σ2 must also exceed this, so a tight group of peers (MAD near zero) does not turn a
   * ratio of 1.5 into a spike. 10 means the top direction holds 100× the energy of the next.
   */
  readonly spikeMinRatio: number;
  /** Fewer peers than this and no robust spread can be estimated: no spike is reported. */
  readonly spikeMinPeers: number;
  /**
   * A stored F16 value with |x| above this fraction of the F16 maximum (65504) is near
   * overflow: merging or stacking two such adapters, or a scale above 2, reaches Inf. 0.5 is the
   * point where one doubling overflows.
   */
  readonly f16OverflowFraction: number;
  /**
   * A module whose r95 is at most this fraction of its stored rank uses little of its rank: a
   * quarter means a resize to r95 saves at least three quarters of its parameters while keeping
   * 95 % of ‖ΔW‖²_F.
   */
  readonly lowUtilizationFraction: number;
  /** Ranks at or below this are never called under-used: there is little to save. */
  readonly lowUtilizationMinRank: number;
  /** Relative difference between a stored alpha and the config's lora_alpha taken as equal (F16 rounding of a stored alpha). */
  readonly alphaTolerance: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  negligibleRatio: 1e-4,
  spikeMads: 5,
  spikeMinRatio: 10,
  spikeMinPeers: 5,
  f16OverflowFraction: 0.5,
  lowUtilizationFraction: 0.25,
  lowUtilizationMinRank: 4,
  alphaTolerance: 1e-3,
};

/** The largest finite F16 value. */
export const F16_MAX = 65504;
