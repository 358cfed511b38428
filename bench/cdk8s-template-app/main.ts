// A plain cdk8s app as the cdk8s `typescript-app` template writes it (run by `npx ts-node main.ts`),
// rendering 50 cdk8s-plus Deployments: the yardstick `npm run bench` holds synth against.
import { App, Chart, type ChartProps } from "cdk8s";
import { Deployment } from "cdk8s-plus-31";
import type { Construct } from "constructs";

export class FiftyDeployments extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    for (let i = 0; i < 50; i++) {
      new Deployment(this, `web-${i}`, {
        replicas: 2,
        containers: [{ image: `registry.example/web:1.${i}.0`, portNumber: 8080, securityContext: { user: 1000, group: 1000 } }],
      });
    }
  }
}

const app = new App();
new FiftyDeployments(app, "bench");
app.synth();
