/**
 * Several detectors on one camera, their detections put together: persons from one model, vehicles and aerial
 * objects from another (each keeps only its `classes`). Labels are the union, in order of first appearance; each
 * detection's class id is its label's place in it. ffmpeg scales frames for one of them (the largest input): the
 * others resize in JavaScript.
 */
import type { Detection, Frame, ObjectDetector } from '../types.js';

export class CombinedDetector implements ObjectDetector {
  readonly name: string;
  readonly labels: readonly string[];
  readonly input: ObjectDetector['input'];
  private readonly classIds: number[][];

  constructor(private readonly members: readonly ObjectDetector[]) {
    if (members.length === 0) throw new RangeError('a combined detector needs at least one detector');
    this.name = members.map((m) => m.name).join(' + ');
    const labels: string[] = [];
    this.classIds = members.map((m) => m.labels.map((label) => {
      const at = labels.indexOf(label);
      if (at >= 0) return at;
      labels.push(label);
      return labels.length - 1;
    }));
    this.labels = labels;
    const inputs = members.map((m) => m.input).filter((i) => i !== undefined);
    this.input = inputs.sort((a, b) => b.width * b.height - a.width * a.height)[0];
  }

  async detect(frame: Frame): Promise<Detection[]> {
    const out: Detection[] = [];
    for (let i = 0; i < this.members.length; i++) {
      const ids = this.classIds[i]!;
      for (const d of await this.members[i]!.detect(frame)) out.push({ ...d, classId: ids[d.classId] ?? d.classId });
    }
    return out;
  }

  async runBare(): Promise<void> {
    for (const m of this.members) {
      if (!m.runBare) throw new Error(`${m.name} has no bare inference to compare with`);
      await m.runBare();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.close()));
  }
}
