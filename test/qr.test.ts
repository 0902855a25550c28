import { strict as assert } from 'node:assert';

import { PNG } from 'pngjs';
import QRCode from 'qrcode';

import { decodeQrDataUri, decodeQrPng } from './support/qr.js';

const OTPAUTH_URI =
  'otpauth://totp/Client%20Area:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Client%20Area';

function blankPng(width: number, height: number): Buffer {
  const png = new PNG({ width, height });

  // A fresh PNG buffer is all zeros (transparent black); paint it opaque white like a page.
  png.data.fill(255);

  return PNG.sync.write(png);
}

describe('QR helper reads back what the qrcode package encodes', () => {
  it('decodes an otpauth URI from a PNG data URI, as rendered in an img src', async () => {
    const dataUri = await QRCode.toDataURL(OTPAUTH_URI);

    assert.equal(decodeQrDataUri(dataUri), OTPAUTH_URI);
  });

  it('decodes a PNG buffer, as taken from a screenshot', async () => {
    const png = await QRCode.toBuffer(OTPAUTH_URI, { type: 'png' });

    assert.equal(decodeQrPng(png), OTPAUTH_URI);
  });

  it('decodes a QR code drawn on a transparent background', async () => {
    // Transparent light modules are stored as rgba(0,0,0,0): without compositing onto white
    // they would read as dark and the code would vanish.
    const png = await QRCode.toBuffer(OTPAUTH_URI, { type: 'png', color: { light: '#0000' } });

    assert.equal(decodeQrPng(png), OTPAUTH_URI);
  });

  it('decodes a light-on-dark (dark mode) QR code', async () => {
    const png = await QRCode.toBuffer(OTPAUTH_URI, {
      type: 'png',
      color: { dark: '#ffffffff', light: '#000000ff' },
    });

    assert.equal(decodeQrPng(png), OTPAUTH_URI);
  });
});

describe('QR helper fails loudly instead of returning nothing', () => {
  it('throws when a PNG contains no QR code', () => {
    assert.throws(() => decodeQrPng(blankPng(120, 120)), /No QR code found in the 120x120 PNG/);
  });

  it('throws when a PNG data URI contains no QR code', () => {
    const dataUri = `data:image/png;base64,${blankPng(64, 64).toString('base64')}`;

    assert.throws(() => decodeQrDataUri(dataUri), /No QR code found/);
  });

  it('throws on data URIs that are not base64 PNG', () => {
    assert.throws(
      () => decodeQrDataUri('data:image/svg+xml;utf8,<svg></svg>'),
      /Expected a data:image\/png;base64 URI/,
    );
  });

  it('throws on bytes that are not a PNG', () => {
    assert.throws(() => decodeQrPng(Buffer.from('not a png')), /Not a readable PNG image/);
  });
});
