//! Intel HEX / S-record / binary image reading, merging with exact overlap reports, and writing.
