import { ApiError } from '../http/api-error';
import {
  base64ImageProblem,
  countOllamaImages,
  countOpenAiImages,
  imageFormatOf,
  imageUrlProblem,
} from './image-check';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const base64Of = (bytes: number[] | string) =>
  Buffer.from(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes).toString('base64');
const JPEG = base64Of([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]);
const GIF = base64Of('GIF89a\x01\x00\x01\x00');
const WEBP = base64Of('RIFF\x24\x00\x00\x00WEBPVP8 ');

describe(imageFormatOf.name, () => {
  it.each([
    [PNG, 'png'],
    [JPEG, 'jpeg'],
    [GIF, 'gif'],
    [WEBP, 'webp'],
    [base64Of('%PDF-1.7'), undefined],
    [base64Of('RIFF\x24\x00\x00\x00WAVE'), undefined],
  ])('reads the format from the first bytes of %s', (base64, format) => {
    expect(imageFormatOf(Buffer.from(base64, 'base64'))).toBe(format);
  });
});

describe(base64ImageProblem.name, () => {
  it('accepts padded standard base64 of each known format', () => {
    expect([PNG, JPEG, GIF, WEBP].map(base64ImageProblem)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it.each([
    ['a data: prefix', `data:image/png;base64,${PNG}`, 'illegal base64 data at input byte 4: send the image'],
    ['a character outside base64', `${PNG.slice(0, 10)}!${PNG.slice(11)}`, 'illegal base64 data at input byte 10'],
    ['white space', `${PNG.slice(0, 8)}\n${PNG.slice(9)}`, 'illegal base64 data at input byte 8'],
    ['padding in the middle', `ab==${PNG}`, 'illegal base64 data at input byte 2'],
    ['missing padding', PNG.replace(/=+$/, ''), 'is not a multiple of 4 (is its = padding missing?)'],
    ['bytes of no image', base64Of('%PDF-1.7 not an image'), 'decodes to bytes that are no PNG, JPEG, WebP or GIF'],
    ['nothing', '', 'is empty'],
  ])('reports %s', (_case, base64, problem) => {
    expect(base64ImageProblem(base64)).toContain(problem);
  });
});

describe(imageUrlProblem.name, () => {
  it('accepts http(s) URLs and image data URLs', () => {
    expect(imageUrlProblem('https://example.org/letter.png')).toBeUndefined();
    expect(imageUrlProblem(`data:image/png;base64,${PNG}`)).toBeUndefined();
    expect(imageUrlProblem(`data:image/jpeg;base64,${JPEG}`)).toBeUndefined();
  });

  it.each([
    ['raw base64 with no data URL', PNG, 'expected an http(s) URL or a data URL'],
    ['a data URL that is not base64', 'data:image/svg+xml,<svg/>', 'got "data:image/svg+xml"'],
    ['a data URL of no image type', `data:application/pdf;base64,${PNG}`, 'got "data:application/pdf;base64"'],
    ['a payload of no image', `data:image/png;base64,${base64Of('hello world!')}`, 'payload decodes to bytes'],
    [
      'a payload that is not base64',
      'data:image/png;base64,iVBOR%%%',
      'payload has illegal base64 data at input byte 5',
    ],
    ['a file URL', 'file:///etc/passwd', 'expected an http(s) URL'],
  ])('reports %s', (_case, url, problem) => {
    expect(imageUrlProblem(url)).toContain(problem);
  });
});

describe(countOpenAiImages.name, () => {
  it('counts image_url parts across messages, ignoring text', () => {
    const count = countOpenAiImages([
      { content: 'Read these.' },
      {
        content: [
          { type: 'text' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: 'image_url', image_url: { url: 'https://example.org/page-2.jpg' } },
        ],
      },
      { content: null },
    ]);

    expect(count).toBe(2);
  });

  it('throws a 400 naming the bad part', () => {
    const error = (() => {
      try {
        return countOpenAiImages([
          { content: [{ type: 'text' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        ]);
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400 });
    expect((error as ApiError).message).toMatch(/^messages\.0\.content\.1\.image_url\.url: the data URL's base64/);
  });
});

describe(countOllamaImages.name, () => {
  it('counts base64 images, and none when there are none', () => {
    expect(countOllamaImages([PNG, JPEG], 'images')).toBe(2);
    expect(countOllamaImages(undefined, 'images')).toBe(0);
    expect(countOllamaImages(null, 'messages.0.images')).toBe(0);
  });

  it('throws a 400 naming the bad image', () => {
    expect(() => countOllamaImages([PNG, `data:image/png;base64,${PNG}`], 'messages.2.images')).toThrow(
      /^messages\.2\.images\.1: illegal base64 data at input byte 4/,
    );
  });
});
