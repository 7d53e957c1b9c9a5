import { z } from 'zod';
import { LIMITS } from './limits.js';

// The grammar of github.com/distribution/reference: [domain/]path[:tag][@digest].
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);

/**
 * An OCI image reference (`python:3.11-slim`, `registry.example.com:5000/team/img:1.0@sha256:…`).
 * It becomes the `FROM` line of a generated Dockerfile, so anything else (whitespace, a line
 * break followed by another instruction) is refused rather than escaped.
 */
export const ImageReference = z.string().superRefine((text, ctx) => {
  if (text.length > LIMITS.baseImage) {
    ctx.addIssue({ code: 'custom', input: text, message: `must be at most ${LIMITS.baseImage} characters` });
    return;
  }
  const match = REFERENCE.exec(text);
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      input: text,
      message: 'must be an image reference such as "python:3.11-slim" or "registry.example.com/team/image:tag@sha256:…"',
    });
  } else if (match[1]!.length > LIMITS.baseImageName) {
    ctx.addIssue({ code: 'custom', input: text, message: `the image name must be at most ${LIMITS.baseImageName} characters` });
  }
});
