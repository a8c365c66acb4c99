import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_BYTES, NOT_AN_IMAGE, validateImageDimensions, validateImageFile } from './image';

describe('validateImageFile', () => {
  it('accepts image MIME types', () => {
    expect(validateImageFile({ name: 'a.png', type: 'image/png', size: 10 })).toBeNull();
    expect(validateImageFile({ name: 'a', type: 'image/jpeg', size: 10 })).toBeNull();
  });
  it('falls back to the extension when the browser gives no type', () => {
    expect(validateImageFile({ name: 'photo.JPG', type: '', size: 10 })).toBeNull();
    expect(validateImageFile({ name: 'notes.txt', type: '', size: 10 })).toMatchObject(NOT_AN_IMAGE);
  });
  it('rejects other types with the bad-image message', () => {
    const e = validateImageFile({ name: 'a.pdf', type: 'application/pdf', size: 10 });
    expect(e).toMatchObject({
      code: 'bad-image',
      message: 'This file is not an image we can read (PNG, JPEG, WebP). Try another file.',
    });
    expect(validateImageFile({ name: 'a.png', type: 'text/plain', size: 10 })?.code).toBe('bad-image');
  });
  it('rejects empty and huge files, naming the limit', () => {
    expect(validateImageFile({ name: 'a.png', type: 'image/png', size: 0 })?.code).toBe('bad-image');
    const big = validateImageFile({ name: 'a.png', type: 'image/png', size: MAX_IMAGE_BYTES + 1 });
    expect(big?.code).toBe('bad-image');
    expect(big?.message).toMatch(/50 MB/);
    expect(validateImageFile({ name: 'a.png', type: 'image/png', size: MAX_IMAGE_BYTES })).toBeNull();
  });
});

describe('validateImageDimensions', () => {
  it('allows up to 8192 px a side', () => {
    expect(validateImageDimensions(8192, 8192)).toBeNull();
    expect(validateImageDimensions(1, 1)).toBeNull();
  });
  it('says the limit when over', () => {
    const e = validateImageDimensions(8193, 100);
    expect(e?.code).toBe('bad-image');
    expect(e?.message).toMatch(/8192 pixels on a side/);
    expect(validateImageDimensions(0, 10)?.code).toBe('bad-image');
  });
});
