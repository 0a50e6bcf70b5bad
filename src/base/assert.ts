// Invariant checks. A broken invariant means the node's memory can no longer be trusted, so
// these throw an AssertionFailure that nothing in the node catches: a crash beats a wrong answer.

export class AssertionFailure extends Error {
  override readonly name = 'AssertionFailure';
}

export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new AssertionFailure(typeof message === 'string' ? message : message());
  }
}
