// Small PCM16 arrays carved out of shared slabs. A typed array of more than 64 bytes gets its own
// off-heap backing store, which is slow to allocate and to collect; at 50 frames a second per stream
// and hundreds of streams that dominates garbage collection. Views on a slab are ordinary objects.
// Like Node's Buffer pool, a slab lives while any view on it does.

const SLAB_SAMPLES = 8192;
let slab = new Int16Array(SLAB_SAMPLES);
let used = 0;

/** A zero-filled PCM16 array of `n` samples (from a shared slab when small). */
export function allocPcm(n: number): Int16Array {
  if (n > SLAB_SAMPLES / 4) return new Int16Array(n);
  if (used + n > SLAB_SAMPLES) {
    slab = new Int16Array(SLAB_SAMPLES);
    used = 0;
  }
  const view = slab.subarray(used, used + n);
  used += n;
  return view;
}

/** A copy of `src` (from a shared slab when small). */
export function copyPcm(src: Int16Array): Int16Array {
  const out = allocPcm(src.length);
  out.set(src);
  return out;
}
