{
  "targets": [
    {
      "target_name": "vipd_native",
      "sources": ["addon.cc", "vrrp_socket.cc", "packet_socket.cc", "hr_timer.cc", "process.cc", "check_socket.cc", "probe_engine.cc"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
