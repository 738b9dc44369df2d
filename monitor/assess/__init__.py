"""Assessment: rules that turn comparisons into findings, baselines, and source health."""
