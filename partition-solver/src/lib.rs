//! Partition Manager compatible placement of flash/RAM partitions from `pm.yml` constraints.
