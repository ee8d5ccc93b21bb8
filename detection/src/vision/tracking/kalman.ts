/**
 * Constant-velocity Kalman filter on one coordinate (position, velocity per second). A box is tracked by four of them
 * (centre x, centre y, width, height), as in SORT/ByteTrack where the 8-D filter is block-diagonal per coordinate.
 */
export class ConstantVelocity {
  x: number;
  v = 0;
  // covariance [[pxx, pxv], [pxv, pvv]]
  private pxx: number;
  private pxv = 0;
  private pvv: number;

  constructor(position: number, positionStd: number, velocityStd: number) {
    this.x = position;
    this.pxx = positionStd ** 2;
    this.pvv = velocityStd ** 2;
  }

  /** Advances dt seconds; `accelerationStd` (units/s²) is the process noise. */
  predict(dt: number, accelerationStd: number): void {
    if (dt <= 0) return;
    this.x += this.v * dt;
    const q = accelerationStd ** 2;
    const pxx = this.pxx + 2 * dt * this.pxv + dt * dt * this.pvv + (q * dt ** 4) / 4;
    const pxv = this.pxv + dt * this.pvv + (q * dt ** 3) / 2;
    const pvv = this.pvv + q * dt * dt;
    this.pxx = pxx;
    this.pxv = pxv;
    this.pvv = pvv;
  }

  /** Folds in a measurement of the position with standard deviation `measurementStd`. */
  update(z: number, measurementStd: number): void {
    const s = this.pxx + measurementStd ** 2;
    const kx = this.pxx / s;
    const kv = this.pxv / s;
    const r = z - this.x;
    this.x += kx * r;
    this.v += kv * r;
    const pxx = (1 - kx) * this.pxx;
    const pxv = (1 - kx) * this.pxv;
    const pvv = this.pvv - kv * this.pxv;
    this.pxx = pxx;
    this.pxv = pxv;
    this.pvv = pvv;
  }
}
