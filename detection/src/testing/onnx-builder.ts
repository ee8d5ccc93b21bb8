/**
 * A minimal ONNX model writer for tests (`@popart/detection/testing`): just enough protobuf (varints, length-delimited
 * fields, packed floats) to build small detector graphs that run on a real onnxruntime session — one whose output is a
 * fixed tensor, and one that finds a bright spot in the image — so detector adapters, the vision pipeline and the
 * node's camera sources can be tested with known outputs. Field numbers from onnx.proto (ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto).
 */
class Writer {
  private readonly parts: Buffer[] = [];

  private varint(n: number | bigint): void {
    let v = BigInt(n);
    if (v < 0n) v += 1n << 64n;
    const bytes: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      bytes.push(b);
    } while (v);
    this.parts.push(Buffer.from(bytes));
  }

  int(field: number, n: number): this {
    this.varint((field << 3) | 0);
    this.varint(n);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(data.length);
    this.parts.push(Buffer.from(data));
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  message(field: number, w: Writer): this {
    return this.bytes(field, w.finish());
  }

  float(field: number, v: number): this {
    this.varint((field << 3) | 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const FLOAT = 1;

function tensor(name: string, dims: number[], values: Float32Array): Writer {
  const t = new Writer();
  for (const d of dims) t.int(1, d);
  t.int(2, FLOAT);
  t.string(8, name);
  t.bytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return t;
}

function valueInfo(name: string, dims: (number | string)[]): Writer {
  const shape = new Writer();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, FLOAT).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensorType));
}

function node(op: string, inputs: string[], outputs: string[], attributes: Writer[] = []): Writer {
  const n = new Writer();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, `${op}_${outputs[0]}`);
  n.string(4, op);
  for (const a of attributes) n.message(5, a);
  return n;
}

const tensorAttribute = (name: string, t: Writer): Writer => new Writer().string(1, name).message(5, t).int(20, 4);
const intAttribute = (name: string, v: number): Writer => new Writer().string(1, name).int(3, v).int(20, 2);
const intsAttribute = (name: string, vs: number[]): Writer => vs.reduce((w, v) => w.int(8, v), new Writer().string(1, name)).int(20, 7);

function model(graph: Writer): Buffer {
  return new Writer()
    .int(1, 8) // ir_version
    .string(2, 'popart-tests')
    .message(7, graph)
    .message(8, new Writer().string(1, '').int(2, 13))
    .finish();
}

export interface FixedOutputModel {
  inputName?: string;
  /** Input dims, e.g. [1, 3, 64, 64] (strings for dynamic dims). */
  inputDims: (number | string)[];
  outputName?: string;
  outputDims: number[];
  output: Float32Array;
}

/**
 * An ONNX model (opset 13) with one image input and one output equal to `output` whatever the input:
 * output = Constant(output) + 0 · ReduceMean(input) (the input is consumed, so the graph is a normal detector graph).
 */
export function buildFixedOutputModel(m: FixedOutputModel): Buffer {
  const input = m.inputName ?? 'images';
  const output = m.outputName ?? 'output0';
  if (m.output.length !== m.outputDims.reduce((a, b) => a * b, 1)) throw new RangeError('output length does not match outputDims');
  const graph = new Writer()
    .message(1, node('Constant', [], ['fixed'], [tensorAttribute('value', tensor('fixed_value', m.outputDims, m.output))]))
    .message(1, node('Constant', [], ['zero'], [tensorAttribute('value', tensor('zero_value', [], new Float32Array([0])))]))
    .message(1, node('ReduceMean', [input], ['mean'], [intAttribute('keepdims', 0)]))
    .message(1, node('Mul', ['mean', 'zero'], ['nothing']))
    .message(1, node('Add', ['fixed', 'nothing'], [output]))
    .string(2, 'fixed_output_detector')
    .message(11, valueInfo(input, m.inputDims))
    .message(12, valueInfo(output, m.outputDims));
  return model(graph);
}

export interface BrightSpotModel {
  /** Model input width and height (input [1, 3, height, width], RGB 0..1 as the onnx-yolo adapter feeds it). */
  width: number;
  height: number;
  /** Number of classes of the YOLOv8-style output [1, 4 + classes, 1]. */
  classes: number;
  /** Class reported for the spot (default 0). */
  classId?: number;
  /** A pixel is bright when its darkest channel is above this (0..1, default 0.8). */
  threshold?: number;
  /** Size of the reported box, model pixels. */
  box: { width: number; height: number };
  /** Score of the spot's class when bright pixels cover at least `minFraction` of the image (default 0.9). */
  score?: number;
  /** Default 0.001. */
  minFraction?: number;
}

/**
 * An ONNX model (opset 13) that sees one object where the image is bright: its output (YOLOv8 layout, one candidate)
 * is a box of fixed size centred on the centroid of the bright pixels, with `score` for `classId` when there are
 * enough of them and 0 when there are none. The graph: bright = Cast(Greater(ReduceMin over channels, threshold));
 * share = ReduceMean(bright); centre = ReduceMean(bright · pixel-centre coordinates) / share.
 */
export function buildBrightSpotModel(m: BrightSpotModel): Buffer {
  const { width: w, height: h, classes } = m;
  const classId = m.classId ?? 0;
  if (!Number.isInteger(classId) || classId < 0 || classId >= classes) throw new RangeError(`classId ${classId} is not one of the ${classes} classes`);
  const constant = (name: string, dims: number[], values: number[]): Writer =>
    node('Constant', [], [name], [tensorAttribute('value', tensor(`${name}_value`, dims, Float32Array.from(values)))]);
  const one = [1, 1, 1, 1];
  const columns = Array.from({ length: w }, (_, x) => x + 0.5);
  const rows = Array.from({ length: h }, (_, y) => y + 0.5);
  const scoreOf = (c: number): string => (c === classId ? 'score' : 'no_score');
  const graph = new Writer()
    .message(1, constant('threshold', [], [m.threshold ?? 0.8]))
    .message(1, constant('columns', [1, 1, 1, w], columns))
    .message(1, constant('rows', [1, 1, h, 1], rows))
    .message(1, constant('epsilon', [], [1e-9]))
    .message(1, constant('min_fraction', [], [m.minFraction ?? 0.001]))
    .message(1, constant('spot_score', [], [m.score ?? 0.9]))
    .message(1, constant('box_w', one, [m.box.width]))
    .message(1, constant('box_h', one, [m.box.height]))
    .message(1, constant('no_score', one, [0]))
    .message(1, node('ReduceMin', ['images'], ['darkest'], [intsAttribute('axes', [1]), intAttribute('keepdims', 1)]))
    .message(1, node('Greater', ['darkest', 'threshold'], ['is_bright']))
    .message(1, node('Cast', ['is_bright'], ['bright'], [intAttribute('to', FLOAT)]))
    .message(1, node('Mul', ['bright', 'columns'], ['bright_x']))
    .message(1, node('Mul', ['bright', 'rows'], ['bright_y']))
    .message(1, node('ReduceMean', ['bright'], ['share'], [intsAttribute('axes', [2, 3]), intAttribute('keepdims', 1)]))
    .message(1, node('ReduceMean', ['bright_x'], ['sum_x'], [intsAttribute('axes', [2, 3]), intAttribute('keepdims', 1)]))
    .message(1, node('ReduceMean', ['bright_y'], ['sum_y'], [intsAttribute('axes', [2, 3]), intAttribute('keepdims', 1)]))
    .message(1, node('Add', ['share', 'epsilon'], ['share_safe']))
    .message(1, node('Div', ['sum_x', 'share_safe'], ['cx']))
    .message(1, node('Div', ['sum_y', 'share_safe'], ['cy']))
    .message(1, node('Greater', ['share', 'min_fraction'], ['has_spot']))
    .message(1, node('Cast', ['has_spot'], ['present'], [intAttribute('to', FLOAT)]))
    .message(1, node('Mul', ['present', 'spot_score'], ['score']))
    .message(1, node('Concat', ['cx', 'cy', 'box_w', 'box_h', ...Array.from({ length: classes }, (_, c) => scoreOf(c))], ['candidates'], [intAttribute('axis', 1)]))
    .message(1, node('ReduceMean', ['candidates'], ['output0'], [intsAttribute('axes', [3]), intAttribute('keepdims', 0)]))
    .string(2, 'bright_spot_detector')
    .message(11, valueInfo('images', [1, 3, h, w]))
    .message(12, valueInfo('output0', [1, 4 + classes, 1]));
  return model(graph);
}

/**
 * YOLOv8-style output [1, 4 + nc, n] from candidates given as {cx, cy, w, h, scores[]} in model pixels; unused
 * candidates score 0.
 */
export function yoloBoxesFirst(n: number, nc: number, candidates: { cx: number; cy: number; w: number; h: number; scores: number[] }[]): Float32Array {
  const out = new Float32Array((4 + nc) * n);
  candidates.forEach((c, j) => {
    out[j] = c.cx;
    out[n + j] = c.cy;
    out[2 * n + j] = c.w;
    out[3 * n + j] = c.h;
    c.scores.forEach((s, k) => { out[(4 + k) * n + j] = s; });
  });
  return out;
}

/** YOLOv5-style output [1, n, 5 + nc]: cx, cy, w, h, objectness, class scores. */
export function yoloAnchorsFirst(n: number, nc: number, candidates: { cx: number; cy: number; w: number; h: number; objectness: number; scores: number[] }[]): Float32Array {
  const width = 5 + nc;
  const out = new Float32Array(n * width);
  candidates.forEach((c, j) => {
    out.set([c.cx, c.cy, c.w, c.h, c.objectness, ...c.scores], j * width);
  });
  return out;
}
