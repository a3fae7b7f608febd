import Discovery
import Testing
