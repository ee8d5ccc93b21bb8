/** What an input string names: a video file, a numbered or globbed image sequence, or a live stream. */
export type SourceKind = 'file' | 'image-sequence' | 'live';

const LIVE_SCHEMES = /^(rtsp|rtsps|rtmp|rtmps|udp|tcp|srt|rtp|http|https):\/\//i;
const FILE_EXTENSIONS = /\.(mp4|m4v|mkv|mov|avi|webm|ts|mpg|mpeg|flv)(\?.*)?$/i;

export function detectSourceKind(input: string): SourceKind {
  if (LIVE_SCHEMES.test(input)) {
    // An HTTP URL of a recorded file is read once, not reconnected to; a stream URL (no file extension) is live.
    return /^https?:/i.test(input) && FILE_EXTENSIONS.test(input) ? 'file' : 'live';
  }
  if (/%0?\d*d/.test(input) || /[*?[]/.test(input)) return 'image-sequence';
  return 'file';
}

/** True when the input is a glob pattern (ffmpeg's image2 `-pattern_type glob`), not a printf-style numbered one. */
export const isGlobPattern = (input: string): boolean => /[*?[]/.test(input) && !/%0?\d*d/.test(input);

/** A URL with its user and password replaced, for logs and errors. */
export function redactUrl(input: string): string {
  return input.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}
