import { toDouble, type StackLayout } from './graphs';
import type { ElemType, OnnxGraph, OnnxNode, ValueInfo } from './onnxModel';

/**
 * The graphs of the pair-overlap kernel (ort/ortOverlaps.ts): two stacks of tall factors T1
 * (d×r1) and T2 (d×r2), one pair per batch index, each in its own stored layout and precision
 * and cast to double inside the graph. Every product accumulates in float64; the r×r
 * factorizations between runs stay in TypeScript.
 */

/** How one input of a pair stack is stored and typed. */
export interface StackInput {
  readonly type: ElemType;
  readonly layout: StackLayout;
}

const transpose = (input: string, output: string): OnnxNode => ({ op: 'Transpose', inputs: [input], outputs: [output], attributes: [{ name: 'perm', ints: [0, 2, 1] }] });

/**
 * Input `name` as T [N, d, r] (`tall`) and Tᵀ [N, r, d] (`wide`) in double, each made (a cast,
 * a transpose) only when a product asks for it: ORT does not prune unused transposes.
 */
class Operand {
  readonly info: ValueInfo;
  private readonly cast: { nodes: OnnxNode[]; name: string };
  private other: string | null = null;

  constructor(
    private readonly nodes: OnnxNode[],
    name: string,
    private readonly input: StackInput,
    r: string,
  ) {
    this.info = { name, type: input.type, shape: input.layout === 'tall' ? ['N', 'd', r] : ['N', r, 'd'] };
    this.cast = toDouble(name, input.type);
    nodes.push(...this.cast.nodes);
  }

  get tall(): string {
    return this.input.layout === 'tall' ? this.cast.name : this.transposed();
  }

  get wide(): string {
    return this.input.layout === 'wide' ? this.cast.name : this.transposed();
  }

  private transposed(): string {
    if (this.other === null) {
      this.other = `${this.info.name}_other`;
      this.nodes.push(transpose(this.cast.name, this.other));
    }
    return this.other;
  }
}

const key = (a: StackInput, b: StackInput): string => `${a.type}_${a.layout}_${b.type}_${b.layout}`;
const matmul = (a: string, b: string, out: string): OnnxNode => ({ op: 'MatMul', inputs: [a, b], outputs: [out] });
const square = (name: string, r: string): ValueInfo => ({ name, type: 'double', shape: ['N', r, r] });

/**
 * Gram blocks of the stacked pair [T1 T2]: G11 = T1ᵀT1, G22 = T2ᵀT2 and the cross block
 * G12 = T1ᵀT2, in one run (three d×r² products).
 */
export function pairGramGraph(first: StackInput, second: StackInput): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const a = new Operand(nodes, 'X1', first, 'r1');
  const b = new Operand(nodes, 'X2', second, 'r2');
  nodes.push(matmul(a.wide, a.tall, 'G11'), matmul(b.wide, b.tall, 'G22'), matmul(a.wide, b.tall, 'G12'));
  return {
    name: `pair_gram_${key(first, second)}`,
    nodes,
    inputs: [a.info, b.info],
    outputs: [square('G11', 'r1'), square('G22', 'r2'), { name: 'G12', type: 'double', shape: ['N', 'r1', 'r2'] }],
  };
}

/**
 * The second CholeskyQR pass of both factors at once: P1 = T1·L1, P2 = T2·L2 (L = R₁⁻¹ of the
 * first pass, row-major), and the Gram blocks of [P1 P2], without returning P.
 */
export function pairProjectedGramGraph(first: StackInput, second: StackInput): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const a = new Operand(nodes, 'X1', first, 'r1');
  const b = new Operand(nodes, 'X2', second, 'r2');
  nodes.push(matmul(a.tall, 'L1', 'P1'), matmul(b.tall, 'L2', 'P2'), transpose('P1', 'P1_w'), transpose('P2', 'P2_w'));
  nodes.push(matmul('P1_w', 'P1', 'G11'), matmul('P2_w', 'P2', 'G22'), matmul('P1_w', 'P2', 'G12'));
  return {
    name: `pair_projected_gram_${key(first, second)}`,
    nodes,
    inputs: [a.info, b.info, square('L1', 'r1'), square('L2', 'r2')],
    outputs: [square('G11', 'r1'), square('G22', 'r2'), { name: 'G12', type: 'double', shape: ['N', 'r1', 'r2'] }],
  };
}

/**
 * The Gram of a combination Z = T1·W1 + T2·W2 (W1 [N, r1, r2], W2 [N, r2, r2], row-major):
 * with W1 = −R1⁻¹·C and W2 = R2⁻¹ it is the residual Q2 − Q1·C formed in R^d, where its small
 * columns keep their digits; times R_Z⁻¹ as well, it is CholeskyQR2's second pass on Z. When
 * `projected`, T is first taken to P = T·L (inputs L1, L2) exactly as pairProjectedGramGraph
 * does, so that Q = P·R_b⁻¹ is the very Q whose C the second pass gave, and Z inherits none of
 * the factors' conditioning.
 */
export function residualGramGraph(first: StackInput, second: StackInput, projected: boolean): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const a = new Operand(nodes, 'X1', first, 'r1');
  const b = new Operand(nodes, 'X2', second, 'r2');
  let [t1, t2] = [a.tall, b.tall];
  if (projected) {
    nodes.push(matmul(t1, 'L1', 'P1'), matmul(t2, 'L2', 'P2'));
    [t1, t2] = ['P1', 'P2'];
  }
  nodes.push(matmul(t1, 'W1', 'Z1'), matmul(t2, 'W2', 'Z2'), { op: 'Add', inputs: ['Z1', 'Z2'], outputs: ['Z'] }, transpose('Z', 'Z_w'), matmul('Z_w', 'Z', 'G'));
  const weights: ValueInfo[] = [{ name: 'W1', type: 'double', shape: ['N', 'r1', 'r2'] }, square('W2', 'r2')];
  return {
    name: `residual_gram_${projected ? 'projected_' : ''}${key(first, second)}`,
    nodes,
    inputs: [a.info, b.info, ...(projected ? [square('L1', 'r1'), square('L2', 'r2')] : []), ...weights],
    outputs: [square('G', 'r2')],
  };
}
