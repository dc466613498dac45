// The React SPA: a private S3 bucket served over HTTPS by CloudFront.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DefaultStackSynthesizer,
  DockerImage,
  Duration,
  type ILocalBundling,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/** Private, encrypted, TLS-only, and gone (with its objects) after `cdk destroy`. */
const courseBucketDefaults: s3.BucketProps = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  removalPolicy: RemovalPolicy.DESTROY,
  autoDeleteObjects: true,
};

export interface WebProps {
  /** The SPA's folder (Vite project: `npm run build` writes `dist/`). */
  readonly spaDir: string;
}

/**
 * Creates the bucket and the distribution; `publish` uploads the SPA once the values its
 * runtime config needs (the API URL) exist. Two phases, because the API in turn needs this
 * site's URL as its allowed CORS origin.
 */
export class Web extends Construct {
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`, the SPA's origin. */
  readonly url: string;
  private readonly bucket: s3.Bucket;
  private readonly spaDir: string;

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id);
    this.spaDir = props.spaDir;

    // Receives the S3 server access logs of the site bucket and CloudFront's standard logs.
    const logBucket = new s3.Bucket(this, 'Logs', {
      ...courseBucketDefaults,
      // CloudFront standard logging writes with bucket ACLs.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(30) }],
    });
    Validations.of(logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket; logging its own accesses into itself would never end.',
    });

    this.bucket = new s3.Bucket(this, 'Site', {
      ...courseBucketDefaults,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'site-bucket/',
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Todo SPA',
      defaultBehavior: {
        // Origin access control: only this distribution may read the private bucket.
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      defaultRootObject: 'index.html',
      // No error responses that answer a missing file with index.html: the SPA has no client-side
      // routes, and a missing config.json or script must stay a 404 the app can explain.
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // The cheapest edge locations (North America, Europe) are plenty for a course.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      logBucket,
      logFilePrefix: 'cloudfront/',
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The course app serves every country; there is no legal reason to restrict it.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'A WAF web ACL costs a monthly fee per ACL and rule, too much for a course app serving static files.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the minimum TLS version; a custom domain with an ACM certificate would allow TLSv1.2_2021.',
      },
    );
  }

  /**
   * Builds the SPA, uploads it with `config.json` (values the SPA reads at runtime, so one build
   * serves every deployment), and invalidates CloudFront's cache.
   */
  publish(runtimeConfig: Record<string, unknown>): void {
    const deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      destinationBucket: this.bucket,
      sources: [
        s3deploy.Source.asset(this.spaDir, {
          exclude: ['node_modules', 'dist', 'public/config.json'],
          bundling: {
            // Required by the API, never pulled: local bundling below always succeeds or throws.
            image: DockerImage.fromRegistry('vite-build-runs-locally'),
            local: new ViteBuild(this.spaDir),
          },
        }),
        s3deploy.Source.jsonData('config.json', runtimeConfig),
      ],
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    acknowledgeBucketDeploymentFindings(deployment, this.bucket);
  }
}

/** Runs `npm run build` in the SPA's folder and copies `dist/` into the asset. */
class ViteBuild implements ILocalBundling {
  constructor(private readonly spaDir: string) {}

  tryBundle(outputDir: string): boolean {
    // Build output goes to stderr: the CDK CLI reads the app's stdout.
    const build = spawnSync('npm', ['run', 'build'], {
      cwd: this.spaDir,
      stdio: ['ignore', process.stderr, 'inherit'],
    });
    if (build.error !== undefined || build.status !== 0) {
      throw new Error(
        `\`npm run build\` failed in ${this.spaDir} ` +
          `(${build.error?.message ?? `exit status ${build.status}`}); ` +
          'run `npm install` in the repository root if the SPA\'s dependencies are missing.',
      );
    }
    fs.cpSync(path.join(this.spaDir, 'dist'), outputDir, { recursive: true });
    // The deployed config.json comes from the stack, never from a developer's local copy.
    fs.rmSync(path.join(outputDir, 'config.json'), { force: true });
    return true;
  }
}

/**
 * The findings on a Lambda that aws-cdk-lib provides for a custom resource: its code, runtime
 * and managed policy are the library's, not ours to change.
 */
function cdkProviderFindings(purpose: string) {
  return [
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: `${purpose}; aws-cdk-lib gives its Lambda the AWS managed policy that only writes its CloudWatch logs.`,
    },
    {
      id: 'AwsSolutions-L1',
      reason: `${purpose}; aws-cdk-lib chooses and upgrades that Lambda's runtime.`,
    },
  ];
}

/**
 * BucketDeployment's Lambda belongs to aws-cdk-lib, which scopes its grants as tightly as the
 * copy allows: read the asset, replace every object of the site bucket, invalidate CloudFront.
 */
function acknowledgeBucketDeploymentFindings(
  deployment: s3deploy.BucketDeployment,
  siteBucket: s3.Bucket,
): void {
  const purpose =
    'BucketDeployment (aws-cdk-lib) syncs the SPA from the CDK asset bucket into the site bucket and invalidates CloudFront';
  const stack = Stack.of(deployment);
  const qualifier = stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const siteBucketId = stack.getLogicalId(siteBucket.node.defaultChild as s3.CfnBucket);
  const wildcardFindings = [
    // Read the uploaded asset.
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    `Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`,
    // Replace every object of the site bucket.
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    `Resource::<${siteBucketId}.Arn>/*`,
    // cloudfront:CreateInvalidation, which the library grants on every distribution.
    'Resource::*',
  ];
  Validations.of(deployment.handlerRole.node.scope ?? deployment.handlerRole).acknowledge(
    ...cdkProviderFindings(purpose),
    ...wildcardFindings.map((finding) => ({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason: `${purpose}; the wildcards are the library's grants for exactly that.`,
    })),
  );
}
