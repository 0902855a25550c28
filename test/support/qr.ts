/**
 * Reads QR codes back out of PNG images, so enrolment tests can "scan" the code the page shows
 * instead of trusting the secret printed next to it.
 */
import jsQRModule, { type Options as JsQrOptions, type QRCode } from 'jsqr';
import { PNG } from 'pngjs';

type JsQr = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: JsQrOptions,
) => QRCode | null;

// jsqr is a CommonJS bundle whose typings declare an ES default export. Under Node's ESM
// interop (and TypeScript's NodeNext view of it) the default import is the whole
// `module.exports`, which is the function but is typed as `{ default }`; under bundler-style
// resolution it is the function itself. Accept both so this works whatever the tsconfig says.
const jsQR: JsQr =
  typeof jsQRModule === 'function'
    ? (jsQRModule as unknown as JsQr)
    : (jsQRModule as unknown as { default: JsQr }).default;

const PNG_DATA_URI = /^data:image\/png;base64,([A-Za-z0-9+/=\s]+)$/i;

/** Decodes the text of the QR code in a `data:image/png;base64,...` URI (e.g. an img src). */
export function decodeQrDataUri(dataUri: string): string {
  const match = PNG_DATA_URI.exec(dataUri.trim());
  if (match?.[1] === undefined) {
    // Show only the start: a real data URI is kilobytes long and would bury the message.
    const start = JSON.stringify(dataUri.slice(0, 40));
    throw new Error(`Expected a data:image/png;base64 URI, got ${start}`);
  }

  return decodeQrPng(Buffer.from(match[1], 'base64'));
}

/** Decodes the text of the QR code in a PNG image such as a screenshot. */
export function decodeQrPng(png: Buffer): string {
  let image: PNG;
  try {
    image = PNG.sync.read(png);
  } catch (error) {
    throw new Error(`Not a readable PNG image: ${(error as Error).message}`, { cause: error });
  }

  const pixels = flattenOntoWhite(image.data);

  // attemptBoth also finds light-on-dark codes, as in a dark-mode screenshot.
  const code = jsQR(pixels, image.width, image.height, { inversionAttempts: 'attemptBoth' });
  if (code === null) {
    throw new Error(`No QR code found in the ${image.width}x${image.height} PNG image`);
  }

  return code.data;
}

/**
 * pngjs always yields 8-bit RGBA, which is what jsQR wants, but jsQR ignores alpha: fully
 * transparent pixels (commonly stored as black) would read as dark modules. Compositing onto
 * white matches what a phone camera sees when the image is shown on a white page.
 */
function flattenOntoWhite(rgba: Buffer): Uint8ClampedArray {
  // Copy rather than view the Buffer: it may share a pooled ArrayBuffer we must not modify.
  const pixels = new Uint8ClampedArray(rgba);

  for (let index = 0; index < pixels.length; index += 4) {
    const alpha = (pixels[index + 3] ?? 255) / 255;
    if (alpha === 1) continue;

    for (let channel = index; channel < index + 3; channel += 1) {
      pixels[channel] = (pixels[channel] ?? 0) * alpha + 255 * (1 - alpha);
    }
    pixels[index + 3] = 255;
  }

  return pixels;
}
