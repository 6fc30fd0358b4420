import Testing
@testable import LakeqDelta
