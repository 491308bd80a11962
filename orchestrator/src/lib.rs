//! Driver of multi-image firmware builds: configure, solve the layout, build, merge.
