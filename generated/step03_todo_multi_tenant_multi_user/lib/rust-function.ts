// A Lambda function built from a Rust crate by `cargo lambda` while the CDK app synthesizes.
import { spawnSync } from 'node:child_process';
import { AssetHashType, DockerImage, type Duration, type ILocalBundling, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface RustFunctionProps {
  /** The crate's folder (the one with its Cargo.toml). */
  readonly crateDir: string;
  /** The Cargo binary to deploy; cargo lambda renames it to `bootstrap`. */
  readonly binaryName: string;
  /** The CPU the binary is compiled for and the function runs on. */
  readonly architecture: lambda.Architecture;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: logs.RetentionDays;
}

/**
 * A `provided.al2023` function whose code is the crate's binary, cross-compiled with
 * `cargo lambda build` on this machine, so `cdk deploy` needs no separate build step and no Docker.
 */
export class RustFunction extends Construct {
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: RustFunctionProps) {
    super(scope, id);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Allowed to write its own log group only, unlike the AWS managed AWSLambdaBasicExecutionRole
    // that Lambda would attach by default, which may write to every log group in the account.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(role);

    this.function = new lambda.Function(this, 'Function', {
      description: props.description,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      architecture: props.architecture,
      memorySize: props.memorySize,
      timeout: props.timeout,
      environment: props.environment,
      logGroup,
      role,
      code: lambda.Code.fromAsset(props.crateDir, {
        // The crate links libraries from outside its folder (runtime-crates/), so a hash of the
        // folder would miss their changes; hashing the built binary catches every change.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Required by the API, never pulled: local bundling below always succeeds or throws.
          image: DockerImage.fromRegistry('cargo-lambda-runs-locally'),
          local: new CargoLambdaBuild(props.crateDir, props.binaryName, props.architecture),
        },
      }),
    });
  }
}

/** CDK's local bundling of the asset: `cargo lambda build` into the folder CDK stages. */
class CargoLambdaBuild implements ILocalBundling {
  constructor(
    private readonly crateDir: string,
    private readonly binaryName: string,
    private readonly architecture: lambda.Architecture,
  ) {}

  tryBundle(outputDir: string): boolean {
    cargoLambdaBuild(this.crateDir, this.binaryName, this.architecture, outputDir);
    return true;
  }
}

/** `cargo lambda build`'s arguments: the binary for `architecture`, written as `<outputDir>/bootstrap`. */
export function cargoLambdaBuildArgs(binaryName: string, architecture: lambda.Architecture, outputDir: string): string[] {
  const targetFlag = architecture.name === lambda.Architecture.ARM_64.name ? '--arm64' : '--x86-64';
  return [
    'lambda', 'build', '--release',
    '--bin', binaryName,
    targetFlag,
    '--lambda-dir', outputDir,
    // Put `bootstrap` directly in outputDir instead of outputDir/<binary>/bootstrap.
    '--flatten', binaryName,
  ];
}

/** Runs `cargo lambda build` in the crate's folder, writing the binary as `<outputDir>/bootstrap`. */
function cargoLambdaBuild(
  crateDir: string,
  binaryName: string,
  architecture: lambda.Architecture,
  outputDir: string,
): void {
  requireCargoLambda();
  const args = cargoLambdaBuildArgs(binaryName, architecture, outputDir);
  // Build output goes to stderr: the CDK CLI reads the app's stdout.
  const build = spawnSync('cargo', args, {
    cwd: crateDir,
    stdio: ['ignore', process.stderr, 'inherit'],
  });
  if (build.error !== undefined || build.status !== 0) {
    throw new Error(
      `\`cargo ${args.join(' ')}\` failed in ${crateDir} ` +
        `(${build.error?.message ?? `exit status ${build.status}`}); see the compiler output above.`,
    );
  }
}

function requireCargoLambda(): void {
  const probe = spawnSync('cargo-lambda', ['--version'], { stdio: 'ignore' });
  if (probe.error !== undefined) {
    throw new Error(
      'cargo-lambda was not found on PATH; it compiles the Rust Lambda during `cdk synth`/`cdk deploy`. ' +
        'Install it with `pip install cargo-lambda ziglang` (e.g. into the repository\'s .venv, then activate it) and retry.',
    );
  }
}
