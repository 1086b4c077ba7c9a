"""CDK constructs and stacks (the only part of the project that imports aws_cdk)."""
