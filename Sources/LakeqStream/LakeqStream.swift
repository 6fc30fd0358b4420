// LakeqStream overview: see StreamPipeline.swift
