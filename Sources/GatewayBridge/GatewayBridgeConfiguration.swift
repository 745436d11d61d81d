import NIOCore
import NIOPosix
import ServiceLifecycle
import Logging
import Metrics
enum GatewayBridgePlaceholder {}
