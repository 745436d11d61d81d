// `SimulatedDevice` lives in the Simulator module (the `lorikeet simulate` devices are the same
// code the tests use); tests that `import TestSupport` keep seeing it.
@_exported public import Simulator
