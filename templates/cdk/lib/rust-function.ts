// A Lambda function built from a Rust crate by `cargo lambda` while the CDK app synthesizes{% if s.image %},
// packaged as a container image{% endif %}.
import { spawnSync } from 'node:child_process';
{%- if s.image %}
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Duration, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
{%- else %}
import { AssetHashType, DockerImage, type Duration, type ILocalBundling, RemovalPolicy } from 'aws-cdk-lib';
{%- endif %}
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
{%- if s.image %}

/** The file `cargo lambda build --flatten` writes (the binary, named as Lambda runs it) and the Dockerfile copies. */
export const BINARY_FILE = 'bootstrap';
/** Each crate's Dockerfile, beside its Cargo.toml. */
export const DOCKERFILE = 'Dockerfile';
{%- endif %}

export interface RustFunctionProps {
  /** The crate's folder (the one with its Cargo.toml{% if s.image %} and its Dockerfile{% endif %}). */
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

{% if s.image -%}
/**
 * A function whose code is a container image: Lambda's OS-only base image (`provided:al2023`)
 * plus the crate's binary, cross-compiled with `cargo lambda build` on this machine as for a zip
 * archive. `cdk deploy` then builds the image with Docker and pushes it to the ECR repository
 * that `cdk bootstrap` created.
 */
{% else -%}
/**
 * A `provided.al2023` function whose code is the crate's binary, cross-compiled with
 * `cargo lambda build` on this machine, so `cdk deploy` needs no separate build step and no Docker.
 */
{% endif -%}
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
{%- if s.image %}

    // No runtime and no handler: the image brings both (see the Dockerfile).
    this.function = new lambda.DockerImageFunction(this, 'Function', {
      description: props.description,
      architecture: props.architecture,
      memorySize: props.memorySize,
      timeout: props.timeout,
      environment: props.environment,
      logGroup,
      role,
      code: lambda.DockerImageCode.fromImageAsset(imageContext(this, props), {
        // linux/amd64 for x86_64, linux/arm64 for arm64: the base image's variant for this CPU.
        platform: Platform.custom(props.architecture.dockerPlatform),
      }),
    });
    // An image's asset is its build context, not the crate: `stepgen dev` finds the crate of
    // each function it runs locally here (relative to the CDK app, so the template stays the
    // same on every machine).
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata(
      CRATE_METADATA,
      path.relative(path.join(import.meta.dirname, '..'), props.crateDir),
    );
  }
}

/** The template metadata key naming an image function's crate folder. */
export const CRATE_METADATA = 'stepgen:crate';

/**
 * The image's build context, a folder of this function's own in the cloud assembly: the
 * Dockerfile and the binary, nothing else. The image asset's hash is a hash of this folder, so
 * it changes only when the binary (or the Dockerfile) does; the crate's sources, which the
 * binary already reflects, stay out of it.
 *
 * Without bundling (`-c skipBundling=true`, and the tests) nothing is compiled and the context
 * holds the Dockerfile alone: the hash then tracks the Dockerfile only, and the assembly is fit
 * for reading and linting the template, not for deploying.
 */
function imageContext(scope: Construct, props: RustFunctionProps): string {
  const outdir = Stage.of(scope)?.outdir;
  if (outdir === undefined) {
    throw new Error(`${scope.node.path}: a RustFunction must be inside a Stage (an App) to build its image context.`);
  }
  // No dot in the name: CDK would take the part after it for an extension of the staged copy.
  const context = path.join(outdir, `image-context-${scope.node.addr}`);
  // A context left by an earlier synthesis must not leak a stale binary into this one.
  fs.rmSync(context, { recursive: true, force: true });
  fs.mkdirSync(context, { recursive: true });
  fs.copyFileSync(path.join(props.crateDir, DOCKERFILE), path.join(context, DOCKERFILE));
  if (Stack.of(scope).bundlingRequired) {
    cargoLambdaBuild(props.crateDir, props.binaryName, props.architecture, context);
    if (!fs.existsSync(path.join(context, BINARY_FILE))) {
      throw new Error(
        `\`cargo lambda build\` succeeded in ${props.crateDir} but wrote no ${BINARY_FILE} in ${context}, ` +
          `the file the Dockerfile copies.`,
      );
    }
  }
  return context;
}
{%- else %}

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
{%- endif %}

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
