"""raiiaf custom nodes for ComfyUI: put this folder (or a link to it) into ComfyUI/custom_nodes/.

See README.md beside this file. Needs the raiiaf Python package importable by ComfyUI's Python.
"""

from .nodes import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"]
