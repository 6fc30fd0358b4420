public enum LakeqQuery {}
