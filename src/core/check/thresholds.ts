import { INTRUDER_EPSILON } from '../base/intruders';

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
  /**
   * With `--base`: a module whose ‖ΔW‖₂ exceeds this multiple of its base weight's ‖W0‖₂ (σ1 of
   * each) outweighs the weight it adapts. By Weyl's inequality every singular value of W0 + ΔW
   * lies within ‖ΔW‖₂ of W0's, so below 1 the update moves no singular value of the layer by more
   * than the base's own largest; past 1 the update's leading direction is stretched more than any
   * direction of the pretrained weight, and the layer computes more the update than the model.
   */
  readonly baseSpectralRatio: number;
  /**
   * With `--base`: a module's log amplification (Hu et al.'s ‖ΔW‖_F / ‖Uᵀ·W0·V‖_F) is an outlier
   * past median + k·MAD of its peers' values (MAD scaled by 1.4826), the rule and the k of the
   * rank-1 spikes: a few outliers move neither the median nor the MAD.
   */
  readonly amplificationMads: number;
  /**
   * …and it must also be at least this many times the median, so a tight group of peers does
   * not make a twofold difference an outlier. Hu et al. report factors of about 20 at r = 4 and
   * 2 at r = 64 (GPT-3, Table 7): a tenfold step within one adapter is no difference of rank.
   */
  readonly amplificationMinFold: number;
  /** Fewer analysed modules than this and no robust spread can be estimated: no amplification outlier is reported. */
  readonly amplificationMinPeers: number;
  /**
   * With `--base`: ε of Shuttleworth et al. (2024): a top singular vector of W0 + ΔW whose best
   * |cosine| with W0's top singular vectors is below ε is an intruder dimension. 0.5 is the
   * value their figures and the `base` command use.
   */
  readonly intruderEpsilon: number;
  /**
   * A module is reported when at least this many of its intruders are determined (the SVD error
   * bounds leave their verdict no room to flip). One: an intruder is a new direction among the
   * layer's strongest, which full fine-tuning does not produce (Shuttleworth et al.).
   */
  readonly intruderMinCount: number;
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
  baseSpectralRatio: 1,
  amplificationMads: 5,
  amplificationMinFold: 10,
  amplificationMinPeers: 5,
  intruderEpsilon: INTRUDER_EPSILON,
  intruderMinCount: 1,
};

/** The largest finite F16 value. */
export const F16_MAX = 65504;
