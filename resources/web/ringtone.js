// A ring tone made with WebAudio (no audio file): 440 Hz + 480 Hz, 2 s on, 4 s off.
// The AudioContext must be created from a user gesture (the Register click), else browsers keep
// it suspended.

export class Ringtone {
  constructor() {
    this.ctx = null;
    this.timer = null;
    this.nodes = [];
  }

  /** Call from a click handler. */
  unlock() {
    if (!this.ctx) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) this.ctx = new Ctx();
    }
    if (this.ctx && this.ctx.state === 'suspended') this.ctx.resume().catch(() => {});
  }

  get playing() {
    return this.timer !== null;
  }

  start() {
    if (this.playing) return;
    this.unlock();
    const burst = () => this.burst();
    burst();
    this.timer = setInterval(burst, 6000);
  }

  burst() {
    const ctx = this.ctx;
    if (!ctx) return;
    const t = ctx.currentTime + 0.02;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0, t);
    gain.gain.linearRampToValueAtTime(0.12, t + 0.05);
    gain.gain.setValueAtTime(0.12, t + 1.95);
    gain.gain.linearRampToValueAtTime(0, t + 2.0);
    gain.connect(ctx.destination);
    for (const freq of [440, 480]) {
      const osc = ctx.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(t);
      osc.stop(t + 2.05);
      this.nodes.push(osc);
      osc.onended = () => {
        this.nodes = this.nodes.filter((n) => n !== osc);
      };
    }
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    for (const osc of this.nodes) {
      try {
        osc.stop();
      } catch (e) {
        /* already stopped */
      }
    }
    this.nodes = [];
  }
}
