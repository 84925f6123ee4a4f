import Foundation

/// A version-1 manifest exactly as this build wrote it (produced once by encoding a `SessionManifest` with
/// `SessionFormat.encoder(pretty: true)` and pasted here). It must stay readable when the writer moves on:
/// do not regenerate it; add a new fixture for a new schema version instead.
enum ManifestV1Fixture {
    static let json = #"""
{
  "config" : {
    "baseSeeds" : {
      "dropout" : 42,
      "init" : 42,
      "noise" : 42,
      "order" : 42,
      "sample" : 42,
      "split" : 42
    },
    "batchSize" : 8,
    "dataset" : "trec",
    "epochs" : 10,
    "evalEvery" : 0,
    "evalSubsample" : 300,
    "headDropout" : 0.3,
    "name" : "unit test",
    "pooling" : "mean",
    "runs" : 2,
    "strategies" : [
      {
        "augmentCopies" : 1,
        "deni" : {
          "anneal" : true,
          "copyDropout" : "own",
          "copyLearningRate" : "constant",
          "copyOptimizer" : "fresh",
          "ensembleSize" : 10,
          "ensembleStart" : 0.9,
          "interpolationEnd" : 0.6,
          "interpolationStart" : 0.3,
          "noiseScaling" : "std",
          "noiseVariance" : 0.15,
          "period" : {
            "epochs" : 1
          },
          "roundLength" : {
            "epochs" : 1
          },
          "vote" : "hard"
        },
        "emaBiasCorrection" : false,
        "emaDecay" : 0.999,
        "ensembleSize" : 10,
        "kind" : "default",
        "mixoutProbability" : 0.9,
        "noiseEnd" : 0.9,
        "noiseEvery" : 27,
        "noiseStart" : 0.3,
        "noiseVariance" : 0.15,
        "swaStart" : 0.25,
        "warmup" : 0
      },
      {
        "augmentCopies" : 1,
        "deni" : {
          "anneal" : true,
          "copyDropout" : "own",
          "copyLearningRate" : "constant",
          "copyOptimizer" : "fresh",
          "ensembleSize" : 10,
          "ensembleStart" : 0.9,
          "interpolationEnd" : 0.6,
          "interpolationStart" : 0.3,
          "noiseScaling" : "std",
          "noiseVariance" : 0.15,
          "period" : {
            "epochs" : 1
          },
          "roundLength" : {
            "epochs" : 1
          },
          "vote" : "hard"
        },
        "emaBiasCorrection" : false,
        "emaDecay" : 0.999,
        "ensembleSize" : 10,
        "kind" : "deni",
        "mixoutProbability" : 0.9,
        "noiseEnd" : 0.9,
        "noiseEvery" : 27,
        "noiseStart" : 0.3,
        "noiseVariance" : 0.15,
        "swaStart" : 0.25,
        "warmup" : 0
      }
    ],
    "threads" : 2,
    "trainSamples" : 1000,
    "tuning" : {
      "kind" : "lora",
      "loraAlpha" : 64,
      "loraBias" : "all",
      "loraDropout" : 0.1,
      "loraRank" : 64,
      "loraTargets" : [
        "query",
        "value"
      ]
    },
    "variedFactors" : [
      "init",
      "order",
      "dropout",
      "noise"
    ]
  },
  "created" : "2026-01-01T12:00:00Z",
  "dataset" : {
    "classCount" : 6,
    "filesHash" : "sha256:abc",
    "key" : "trec",
    "path" : "/data/trec"
  },
  "eventSchemaVersion" : 1,
  "machine" : {
    "buildConfiguration" : "debug",
    "cores" : 2,
    "hostname" : "test-host",
    "operatingSystem" : "Linux",
    "toolVersion" : "test"
  },
  "model" : {
    "folder" : "/models/mini",
    "weightsBytes" : 90868376,
    "weightsFile" : "model.safetensors"
  },
  "name" : "20260101-120000-unit-test",
  "schemaVersion" : 1,
  "status" : "finished",
  "summary" : {
    "baseline" : "Default",
    "rows" : [
      {
        "accuracy" : {
          "count" : 2,
          "max" : 77,
          "mean" : 76,
          "min" : 75,
          "sampleStd" : 1.4142135623730951,
          "standardError" : 1,
          "std" : 1
        },
        "costRelativeToEnsemble" : 0.1,
        "failed" : 0,
        "macroF1" : {
          "count" : 2,
          "max" : 72,
          "mean" : 71,
          "min" : 70,
          "sampleStd" : 1.4142135623730951,
          "standardError" : 1,
          "std" : 1
        },
        "modelSteps" : 100,
        "runs" : 2,
        "strategy" : "Default",
        "wallSeconds" : 2
      },
      {
        "accuracy" : {
          "count" : 2,
          "max" : 80,
          "mean" : 79.5,
          "min" : 79,
          "sampleStd" : 0.7071067811865476,
          "standardError" : 0.5,
          "std" : 0.5
        },
        "costRelativeToEnsemble" : 0.125,
        "failed" : 0,
        "macroF1" : {
          "count" : 2,
          "max" : 75,
          "mean" : 74.5,
          "min" : 74,
          "sampleStd" : 0.7071067811865476,
          "standardError" : 0.5,
          "std" : 0.5
        },
        "modelSteps" : 125,
        "runs" : 2,
        "significance" : {
          "meanDifference" : {
            "estimate" : 3.5,
            "high" : 5,
            "low" : 2
          },
          "pairs" : 2,
          "stdRatio" : {
            "estimate" : 0.5,
            "high" : 0.5,
            "low" : 0.5
          },
          "wilcoxonP" : 0.5
        },
        "strategy" : "DENI",
        "wallSeconds" : 2
      }
    ]
  },
  "updated" : "2026-01-01T12:03:20Z"
}
"""#
}
