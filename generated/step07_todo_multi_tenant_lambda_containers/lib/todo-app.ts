// What the CDK app contains: the step's stack and the checks that guard it. Shared by
// bin/app.ts and the tests, so the tests check exactly what `cdk deploy` deploys.
import { type App, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TodoStack } from './todo-stack';

// CDK derives logical ids from construct paths, so the stack's construct id is the same in every
// course step (a step's diff then shows only what its lesson changes); the deployed stack's name
// says which step it is, so steps can be deployed side by side.
export const STACK_ID = 'TodoApp';
export const STACK_NAME = 'Step07TodoMultiTenantLambdaContainers';

export function defineTodoApp(app: App): TodoStack {
  const stack = new TodoStack(app, STACK_ID, {
    stackName: STACK_NAME,
    description: 'stepgen course, step07: Lambda functions as container images',
    architecture: lambda.Architecture.X86_64,
  });
  // cdk-nag's AWS Solutions rules run during synthesis; an unacknowledged error fails it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
