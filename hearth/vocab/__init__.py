"""Hearth's vocabulary: each closed value set once, as an enum, with the rules that go with it.

Below the designer, the drivers, the media primitives and the templates (beside
``hearth.domain``), so every layer names a NIC kind, a disk device or a MAC the same way and
refuses the same values. Imports nothing of Hearth but ``hearth.errors``. One small module per
concept: ``nic_kinds``, ``nic_models``, ``macvtap_modes``, ``mac``, ``disk_devices``,
``device_names``, ``graphics``, ``topology``, ``instance_states``; ``choice`` turns a caller's
string into a member with a message naming the allowed values.
"""
