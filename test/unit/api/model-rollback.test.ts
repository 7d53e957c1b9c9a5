import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { overtakenAsConflict } from '../../../api/model-rollback.js';
import { ConflictError } from '../../../core/errors.js';
import { DEPLOYMENT_OVERTAKEN } from '../../../core/pipeline/workflow-ids.js';

const failedWith = (cause: Error) => new WorkflowFailedError('Workflow execution failed', cause, 'NON_RETRYABLE_FAILURE');

describe('a rollback a promotion overtook', () => {
  it("answers 409 with the workflow's reason (which version serves)", () => {
    const message = 'iris v2 was deployed, but a promotion served v4 after it, which serves and stays champion';
    const answered = overtakenAsConflict(failedWith(ApplicationFailure.nonRetryable(message, DEPLOYMENT_OVERTAKEN)));
    expect(answered).toBeInstanceOf(ConflictError);
    expect(answered).toMatchObject({ message, resource: 'model' });
  });

  it('passes any other failure on as it is', () => {
    const failed = failedWith(ApplicationFailure.nonRetryable('no such version', 'NotFoundError'));
    expect(overtakenAsConflict(failed)).toBe(failed);
    const plain = new Error('connection refused');
    expect(overtakenAsConflict(plain)).toBe(plain);
  });
});
