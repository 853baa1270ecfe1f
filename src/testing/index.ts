// certflow/testing: the public testing helpers. Filled in as modules land.
export {};
