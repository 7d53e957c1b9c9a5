import { describe, expect, it } from 'vitest';
import { ImageReference } from '../../../core/specs/image-reference.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { problemsOf } from './spec-problems.js';

const parse = (image: string) => parseSpec(ImageReference, image, 'environment.base_image');
const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('ImageReference accepts the OCI reference grammar', () => {
  it.each([
    'python',
    'python:3.11-slim',
    'library/python:3.11',
    'docker.io/library/python:3.11-slim',
    'nvidia/cuda:12.4.1-runtime-ubuntu22.04',
    'registry.kiln.svc:5000/kiln-env:abc123',
    'localhost:5000/team/image',
    `python@${DIGEST}`,
    `ghcr.io/org/img:v1.2@${DIGEST}`,
    'my_org/my__image:latest',
    '[::1]:5000/img:tag',
    'aborted',
  ])('%s', (image) => {
    expect(parse(image)).toBe(image);
  });
});

describe('ImageReference refuses anything else, naming environment.base_image', () => {
  it.each([
    ['a line break followed by a Dockerfile instruction', 'alpine\nRUN id'],
    ['a carriage return', 'alpine\rRUN id'],
    ['a space', 'alpine RUN id'],
    ['a trailing space', 'alpine '],
    ['an empty string', ''],
    ['upper case in the repository', 'Python:3.11'],
    ['an empty tag', 'python:'],
    ['a tag over 128 characters', `python:${'a'.repeat(129)}`],
    ['a short digest', 'python@sha256:abc'],
    ['a shell substitution', 'python:$(id)'],
    ['a URL scheme', 'https://registry.example.com/img'],
    ['a leading dash (an option to a builder)', '--build-arg=x'],
    ['a path', '../../etc/passwd'],
    ['over the length cap', `registry.example.com/${'a'.repeat(600)}`],
    ['a name over 255 characters', `${'a'.repeat(256)}:tag`],
  ])('%s', (_label, image) => {
    const problems = problemsOf(() => parse(image));
    expect(problems.map((p) => p.path)).toEqual(['environment.base_image']);
  });
});
