import { LABELS } from '../../kubernetes/labels.js';
import { buildSpecOf, type EnvironmentBuildSpec, type EnvironmentSpec } from '../../specs/environment.js';

/** The official Python image, optionally from Docker Hub by its full name, optionally tagged (a digest-pinned reference does not match). */
const OFFICIAL_PYTHON = /^(?:(?:docker\.io|index\.docker\.io)\/)?(?:library\/)?python(?::([A-Za-z0-9._-]+))?$/;
/** A tag's leading Python version (`3.11`, `3.11.7`) and the variant after it (`slim`, `slim-bookworm`). */
const VERSIONED_TAG = /^3\.\d{1,2}(?:\.\d{1,3})?(?:-(.+))?$/;

/**
 * The image an environment builds FROM. `base_image` names the image the Kubernetes executor
 * builds on; the schema defaults it to `python:3.11-slim` whatever `python_version` says, so for
 * the official Python image the tag's version is replaced by `python_version` (keeping the
 * variant, `slim` when there is none): the environment's Python version is always the one
 * declared. Any other image is used as given; it must provide `python` with pip.
 */
export function baseImageFor(spec: Pick<EnvironmentBuildSpec, 'python_version' | 'base_image'>): string {
  const official = OFFICIAL_PYTHON.exec(spec.base_image);
  if (!official) return spec.base_image;
  const tag = official[1] ?? 'latest';
  const versioned = VERSIONED_TAG.exec(tag);
  // `python`, `python:latest` and `python:<version>` (the full image) name no variant worth keeping apart from slim.
  const variant = versioned ? (versioned[1] ?? '') : tag === 'latest' ? 'slim' : tag;
  return `python:${spec.python_version}${variant ? `-${variant}` : ''}`;
}

/**
 * A Dockerfile for an environment image: the base image, then one layer installing the exact
 * dependency list. It is a function of the build spec alone (resources, name and description
 * do not enter), with dependencies in their canonical sorted form, so one spec digest always
 * gives the same bytes, and Kaniko's layer cache hits across rebuilds. The exec form of RUN
 * passes requirements such as `numpy>=2` to pip without a shell to misread `>`.
 */
export function renderDockerfile(spec: EnvironmentSpec, digest: string): string {
  const build = buildSpecOf(spec);
  const lines = [
    `FROM ${baseImageFor(build)}`,
    `LABEL ${JSON.stringify(LABELS.environment)}=${JSON.stringify(digest)}`,
    'ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore',
  ];
  if (build.dependencies.length > 0) {
    lines.push(`RUN ${JSON.stringify(['python', '-m', 'pip', 'install', '--no-cache-dir', ...build.dependencies])}`);
  }
  return `${lines.join('\n')}\n`;
}
