import Testing
@testable import LakeqIngest
