{
  "targets": [
    {
      "target_name": "txsim_native",
      "sources": ["csrc/gemm.cc"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-march=native", "-std=c++17", "-fno-math-errno", "-ffp-contract=fast"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mcpu=native", "-std=c++17"] }
    }
  ]
}
