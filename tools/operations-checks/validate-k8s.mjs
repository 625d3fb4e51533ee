// Validates Kubernetes objects against the API's OpenAPI schemas (kubernetes-models, generated from the
// Kubernetes OpenAPI document): `node validate-k8s.mjs objects.json` prints [{kind, name, error}] for the
// invalid ones. A separate process because kubernetes-models is ESM-only and Jest runs CommonJS here.
import { readFileSync } from 'node:fs';

const MODULES = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/PersistentVolumeClaim': 'kubernetes-models/v1/PersistentVolumeClaim',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'apps/v1/StatefulSet': 'kubernetes-models/apps/v1/StatefulSet',
  'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
};

const objects = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const invalid = [];
for (const object of objects) {
  const key = `${object.apiVersion}/${object.kind}`;
  const name = object.metadata?.name;
  if (!MODULES[key]) {
    invalid.push({ kind: key, name, error: 'no schema for this apiVersion and kind' });
    continue;
  }
  const module = await import(MODULES[key]);
  const Model = module[object.kind];
  try {
    new Model(object).validate();
  } catch (error) {
    invalid.push({ kind: key, name, error: error.message });
  }
}
process.stdout.write(JSON.stringify(invalid));
