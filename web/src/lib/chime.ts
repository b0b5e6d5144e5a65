/**
 * A short two-tone chime for a new alert, made with Web Audio (no sound file to serve). A
 * browser may refuse to play before someone has interacted with the page: `chime` then returns
 * false and the board offers a button to enable sound.
 */
let context: AudioContext | undefined;

export async function unlockSound(): Promise<boolean> {
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') await context.resume();
    return context.state === 'running';
  } catch {
    return false;
  }
}

export function chime(): boolean {
  if (!context || context.state !== 'running') return false;
  const at = context.currentTime;
  for (const [i, freq] of [880, 660].entries()) {
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, at + i * 0.18);
    gain.gain.exponentialRampToValueAtTime(0.25, at + i * 0.18 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + i * 0.18 + 0.16);
    osc.connect(gain).connect(context.destination);
    osc.start(at + i * 0.18);
    osc.stop(at + i * 0.18 + 0.17);
  }
  return true;
}
