// Sign-in: a Cognito user pool where users sign in with their email address, and the app
// client the SPA signs in through.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface AuthProps {
  /** Cognito calls it before it issues tokens, to add the user's tenant ids to the ID token. */
  readonly preTokenGeneration: lambda.IFunction;
}

export class Auth extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      signInAliases: { email: true },
      signInCaseSensitive: false,
      // Anyone may sign up; the account works once the code mailed to its address is confirmed.
      selfSignUpEnabled: true,
      userVerification: { emailStyle: cognito.VerificationEmailStyle.CODE },
      autoVerify: { email: true },
      // A changed address takes effect only once the code sent to it is confirmed, so nobody
      // can take over an address they do not own.
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Course stacks are torn down after each lesson; a production pool would be RETAINed.
      removalPolicy: RemovalPolicy.DESTROY,
      // V1 trigger event: it customizes the ID token only, and the ID token is all the API reads.
      lambdaTriggers: { preTokenGeneration: props.preTokenGeneration },
    });

    this.client = this.userPool.addClient('SpaClient', {
      // A browser cannot keep a secret.
      generateSecret: false,
      // SRP: the password never leaves the browser; the local emulator's client is configured
      // by `stepgen dev` (see the README).
      authFlows: { userSrp: true },
      // Sign-in errors do not tell whether an address has an account.
      preventUserExistenceErrors: true,
      // No hosted UI or OAuth redirects: the SPA has its own sign-in form.
      disableOAuth: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
      // The app client may read the address but write nothing that decides access: the API
      // authorizes with the token's `sub`, which no client can change.
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true, emailVerified: true }),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
    });

    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is left to the student: requiring it makes every local and browser-test sign-in need a second factor. Production pools should set mfa: REQUIRED.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is billed per monthly active user, more than a course app should cost; the Essentials plan is used.',
      },
    );
  }
}
