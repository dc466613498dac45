#!/usr/bin/env node
// The CDK app's entry point (cdk.json runs it with tsx).
import { App } from 'aws-cdk-lib';
import { defineTodoApp } from '../lib/todo-app';

const app = new App();

// The CLI always asks for bundling on `synth` and `deploy`. `-c skipBundling=true` synthesizes
// the templates alone, without compiling Rust or building the SPA (CI lints them this way).
{%- if s.image %}
// The images' build contexts then hold their Dockerfiles but no binary: such an assembly is for
// reading, not for deploying.
{%- endif %}
if (String(app.node.tryGetContext('skipBundling')) === 'true') {
  app.node.setContext('aws:cdk:bundling-stacks', []);
}

defineTodoApp(app);
